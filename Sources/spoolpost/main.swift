print("spoolpost")
