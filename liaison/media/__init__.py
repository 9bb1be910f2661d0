"""Photos: safe re-encoding, private storage, serving to those who may see them."""
