"""qa listens to annotation's signals; annotation never imports qa."""
