# Broken on purpose (SEC-003): the plan makes the invoices bucket public-read.
# MAROSOAP's AWS infrastructure: the data stores of the inventory in inventories/marosoap.
#
# Each data store carries the tag pledge-store = <inventory store id>; the analytics export
# queue is mapped in terraform-mapping.yaml instead. plan.json beside
# this file is `terraform show -json` of a plan of this configuration (see README.md).

terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }
}

provider "aws" {
  region = "eu-west-3" # Paris: the closest AWS region to Morocco inside the EU
}

# --- databases (PostgreSQL on RDS) --------------------------------------------------------
module "customer_db" {
  source     = "./modules/postgres"
  identifier = "marosoap-customers"
  store      = "customer_db"
}

module "order_db" {
  source         = "./modules/postgres"
  identifier     = "marosoap-orders"
  store          = "order_db"
  instance_class = "db.t4g.large"
}

# --- web server and WAF logs ---------------------------------------------------------------
resource "aws_cloudwatch_log_group" "web_logs" {
  name              = "/marosoap/web"
  retention_in_days = 90
  tags = {
    "pledge-store" = "web_logs"
  }
}

# --- invoices and ledgers (written by the accounting ERP) ---------------------------------
resource "aws_kms_key" "invoices" {
  description             = "Invoices bucket"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

resource "aws_s3_bucket" "invoices" {
  bucket = "marosoap-invoices"
  tags = {
    "pledge-store" = "invoices"
  }
}

resource "aws_s3_bucket_acl" "invoices" {
  bucket = aws_s3_bucket.invoices.id
  acl    = "public-read"
}

resource "aws_s3_bucket_public_access_block" "invoices" {
  bucket                  = aws_s3_bucket.invoices.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "invoices" {
  bucket = aws_s3_bucket.invoices.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.invoices.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "invoices" {
  bucket = aws_s3_bucket.invoices.id
  rule {
    id     = "delete-after-ten-years"
    status = "Enabled"
    filter {}
    expiration {
      days = 3650
    }
  }
}

# --- analytics export (pseudonymised shop events for reporting) ---------------------------
resource "aws_sqs_queue" "analytics_export" {
  name                      = "marosoap-analytics-export"
  message_retention_seconds = 345600
  sqs_managed_sse_enabled   = true
}
