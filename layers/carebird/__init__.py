"""carebird: customer service over X. The shared package every Lambda function loads from the layer."""

__version__ = "0.1.0"
