print("modelvet")
