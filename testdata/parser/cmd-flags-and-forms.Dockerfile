FROM alpine
CMD --foo=bar echo hi
CMD ['a']
CMD [ "a", "b" ]
ENTRYPOINT ["a" , "b"] 
SHELL ["/bin/bash", "-c"]
ONBUILD RUN --mount=type=cache,target=/x echo hi
onbuild copy --from=build /a /b
healthcheck --interval=5s cmd ["curl", "-f", "x"]
