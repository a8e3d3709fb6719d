"""visualize: computation graphs rendered through graphviz, and plots."""
