"""QR codes for links that are opened on another screen (tablet enrolment, wall displays)."""

import segno


def qr_data_uri(link: str) -> str:
    """The link as a QR code, an SVG data URI an <img> can show (the CSP allows data: images)."""
    return segno.make(link, error="m").svg_data_uri(scale=6, border=2)
