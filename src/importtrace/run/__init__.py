"""Running a program under the command line: argument parsing, launch, the child's side, boot."""
