placeholder: zipkin-storage/mysql-v1/src/main/resources/mysql.sql
