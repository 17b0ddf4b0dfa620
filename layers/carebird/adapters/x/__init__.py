"""adapters/x"""
