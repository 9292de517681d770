"""The yearly report and the standardization scorecard: composed by the gateway from
each service's own yearly figures and items (the services count, the gateway adds up,
weighs and writes the documents)."""
