FROM alpine
CMD ["\u00e9t\u00e9", "a\/b", "tab\there"]
RUN ["a"] trailing
ENTRYPOINT []
CMD []
