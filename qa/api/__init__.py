"""REST views of qa: thin wrappers over qa.services and qa.selectors."""
