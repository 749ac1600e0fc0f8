"""SWE-bench evaluation: official datasets and formats, graded with swebench's own functions."""
