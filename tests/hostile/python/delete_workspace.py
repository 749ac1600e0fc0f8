"""Delete the workspace: remove everything in the working directory, then the directory itself."""
import os
import shutil

cwd = os.getcwd()
for name in os.listdir(cwd):
    path = os.path.join(cwd, name)
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        os.unlink(path)
try:
    os.rmdir(cwd)
except OSError as e:
    print(f"rmdir refused: {e}")
print("DELETED")
