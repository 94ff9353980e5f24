"""Printed things for a unit: paper cards for units without tablets, and a poster with the card's QR code."""
