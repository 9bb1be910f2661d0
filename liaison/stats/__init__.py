"""The adoption figures (the "premier bilan"): counts per school, circonscription and platform."""
