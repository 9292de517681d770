-- Run once by the postgres image on an empty data volume (docker-compose.yml):
-- one database per process, each owned by the compose user (POSTGRES_USER).
-- Each service owns its database; none reads another's tables.
CREATE DATABASE members;
CREATE DATABASE activities;
CREATE DATABASE welfare;
CREATE DATABASE funding;
CREATE DATABASE notifications;
CREATE DATABASE gateway;
