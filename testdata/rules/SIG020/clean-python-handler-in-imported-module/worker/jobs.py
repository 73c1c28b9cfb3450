def run_once():
    pass
