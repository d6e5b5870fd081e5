"""Write side of clients, contacts and assignments."""
