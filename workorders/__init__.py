"""workorders"""
