FROM	alpine
RUN	echo	tab
CMD 	 ["a"]
