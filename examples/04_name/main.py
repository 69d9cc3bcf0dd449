"""The file you run is the module __main__; a module you import gets its own name."""

import tools

print("main.py: my __name__ is", repr(__name__))
print("tools.double(21) =", tools.double(21))

if __name__ == "__main__":  # true here: main.py is the top-level file
    print("main.py: running as the program")
