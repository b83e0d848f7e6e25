"""`make bench`: each benchmark prints its ratio against a reference measured in the same run."""
