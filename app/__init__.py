"""pipescope: see Linux pipes happen."""
