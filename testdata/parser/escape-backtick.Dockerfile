# escape=`
FROM mcr.microsoft.com/windows/servercore
RUN dir c:\ `
  && echo done
CMD ["cmd", "/c", "echo `"hi`""]
