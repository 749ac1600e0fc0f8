import os
path = os.path.join(os.path.expanduser("~"), "gauntlet-hostile-marker")
with open(path, "w") as f:
    f.write("written by a solution")
assert os.getcwd() == os.path.expanduser("~"), "cwd is the scratch directory, HOME too"
raise SystemExit("wrote " + path)
