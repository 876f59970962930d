"""Services between the handlers and the analysis: the one check path, reports, memory."""
