"""Evaluatie van Wijkassistent: evalset, metrieken, runner, validatie van de steuncontrole."""
