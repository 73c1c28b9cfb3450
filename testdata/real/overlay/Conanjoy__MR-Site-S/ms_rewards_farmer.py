placeholder: ms_rewards_farmer.py (73974 bytes in the repository)
