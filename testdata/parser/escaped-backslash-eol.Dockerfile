FROM alpine
ENV A=trailing\\
ENV B=next
RUN echo a \
  b \\
RUN echo c
