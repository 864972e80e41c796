"""Archives at scale: ``archive`` streams documents out of large files in bounded
memory, ``runner`` checks them on all cores and summarises.
"""
