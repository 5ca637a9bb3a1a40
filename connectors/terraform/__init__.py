"""Terraform plans (``terraform show -json``) read as store facts and undeclared stores."""
