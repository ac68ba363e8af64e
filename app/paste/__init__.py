"""A student's own C program: compiled inside the run's boundary, cached, traced, on its lines."""
