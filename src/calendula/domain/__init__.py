"""Pure scheduling core: intervals, schedules, event types, slots, bookings.

Imports only the standard library. Never reads the clock or the environment: `now` is a parameter.
"""
