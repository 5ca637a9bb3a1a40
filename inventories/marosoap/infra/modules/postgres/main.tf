# One PostgreSQL database on RDS: encrypted, private, protected from deletion.

variable "identifier" {
  type = string
}

variable "store" {
  description = "The inventory store this database is (tag pledge-store)."
  type        = string
}

variable "instance_class" {
  type    = string
  default = "db.t4g.medium"
}

variable "storage_encrypted" {
  type    = bool
  default = true
}

resource "aws_db_instance" "this" {
  identifier                  = var.identifier
  engine                      = "postgres"
  engine_version              = "16.4"
  instance_class              = var.instance_class
  allocated_storage           = 50
  storage_encrypted           = var.storage_encrypted
  publicly_accessible         = false
  backup_retention_period     = 7
  deletion_protection         = true
  username                    = "shop"
  manage_master_user_password = true
  skip_final_snapshot         = false
  final_snapshot_identifier   = "${var.identifier}-final"
  tags = {
    "pledge-store" = var.store
  }
}
