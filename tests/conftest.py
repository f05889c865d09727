import dltui  # noqa: F401  (first, so its BLAS thread setting applies before any test imports NumPy)
