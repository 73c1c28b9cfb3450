# rundeck/rundeck docker/centos7systemd: systemd as PID 1. systemd treats
# SIGTERM as "serialize and re-execute"; SIGRTMIN+3 halts it.
FROM centos:7
RUN yum -y install httpd && systemctl enable httpd
CMD ["/usr/sbin/init"]
