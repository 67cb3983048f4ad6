"""Operations: health and metrics on the HTTP port, `followthrough doctor`, one-line failures."""
