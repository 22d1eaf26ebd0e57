"""Events from websites and apps: page views, carts, sign-ups, custom events."""
