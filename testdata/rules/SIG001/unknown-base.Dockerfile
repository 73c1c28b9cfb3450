FROM example.com/team/base:1.2
CMD python3 -m http.server 8000
