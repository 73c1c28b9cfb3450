from svc.app import run

run()
