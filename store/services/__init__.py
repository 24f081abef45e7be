"""Domain services: the rules of the shop. They flush but never commit (the unit of work does)."""
