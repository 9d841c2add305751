"""dograh-campaigns: campaigns-as-code for the Dograh voice-AI platform."""

__version__ = "0.1.0"
