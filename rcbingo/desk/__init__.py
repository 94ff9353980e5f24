"""The coordinators' desk: what needs attention today in each of their units, and the stories search."""
