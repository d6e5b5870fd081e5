"""The client credential vault: secrets encrypted per agency (envelope encryption)."""
