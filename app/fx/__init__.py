"""Exchange rates: what one unit of a currency is worth in the agency's base currency from a
day on, entered by the owner, and the one conversion every report uses (`app.fx.convert`)."""
