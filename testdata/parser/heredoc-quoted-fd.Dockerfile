FROM alpine
RUN 3<<'END' python3 /dev/fd/3
print("$HOME")
END
RUN echo "<<NOT" && echo done
