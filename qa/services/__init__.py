"""qa's writes: agreement rows, routing of completed tasks, the review queue and gold."""
