"""Documents made from domain values: files a member downloads or prints, such as the
work-search log an unemployment agency asks for."""
