// Generated from docs/openapi.json by scripts/embed_openapi.py; edit that file and run the script.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "ModelVet vetting service",
    "version": "1.0.0",
    "summary": "Queue model files for vetting and read their verdicts and reports.",
    "description": "The HTTP API of `modelvet serve`. A submitted model (an upload, or a folder or file under one of the server's `--allow-path` roots) becomes a scan job; workers vet it as `modelvet vet` does and store its verdict and its JSON, SARIF and HTML reports. Results are cached by content and options, so the same file submitted twice is analysed once.\n\n**Authentication.** Every `/api/v1` call needs `Authorization: Bearer TOKEN`. A token has one role, each including the ones before it:\n\n- `submitter`: submits models and reads its own scans. Other people's scans answer 404, as if they did not exist.\n- `reviewer`: also lists and reads every scan and report, and reads `/metrics`.\n- `admin`: also deletes scans and creates, lists and revokes tokens.\n\nA missing or invalid token answers 401 with `WWW-Authenticate`; too weak a role answers 403. Each token may make `--rate-limit` requests a minute (600 by default), and failed authentication is limited per client address; over the limit the answer is 429 with `Retry-After`.\n\n**Verdicts.** A finished scan has a verdict level, the worst of its verdict's answers: `ok` (nothing of concern in what was checked), `info` (nothing wrong, but something is worth knowing or was not checked), `warning` (review before use) and `danger` (do not load or deploy: code execution, malformed files, a signature mismatch, removed safety training or unsafe behaviour).\n\n**Errors** are JSON objects `{\"error\": MESSAGE}`, including 404 for an unknown route or method. Dates are ISO 8601 in UTC (`2025-01-31T12:00:00Z`)."
  },
  "servers": [
    {
      "url": "/",
      "description": "The server that serves this document."
    }
  ],
  "tags": [
    {
      "name": "scans",
      "description": "Submit models and read their results."
    },
    {
      "name": "tokens",
      "description": "API tokens (admin)."
    },
    {
      "name": "operations",
      "description": "Health, metrics and this document."
    }
  ],
  "security": [
    {
      "bearerAuth": []
    }
  ],
  "paths": {
    "/healthz": {
      "get": {
        "operationId": "health",
        "tags": [
          "operations"
        ],
        "summary": "Liveness check",
        "security": [],
        "responses": {
          "200": {
            "description": "The server is up; the body is `ok` and a newline.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string",
                  "const": "ok\n"
                }
              }
            }
          }
        }
      }
    },
    "/api/openapi.json": {
      "get": {
        "operationId": "openapiDocument",
        "tags": [
          "operations"
        ],
        "summary": "This OpenAPI document",
        "security": [],
        "responses": {
          "200": {
            "description": "The OpenAPI 3.1 document of this API.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          }
        }
      }
    },
    "/metrics": {
      "get": {
        "operationId": "metrics",
        "tags": [
          "operations"
        ],
        "summary": "Prometheus metrics",
        "description": "Request counts and durations by route, submissions, uploaded bytes, authentication failures, rate-limited requests and jobs by status, in the Prometheus text format. Needs a reviewer's token unless the server runs with `--public-metrics`, which serves it to anyone. Not rate-limited.",
        "responses": {
          "200": {
            "description": "The metrics.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          }
        }
      }
    },
    "/api/v1/scans": {
      "post": {
        "operationId": "submitScan",
        "tags": [
          "scans"
        ],
        "summary": "Submit a model for vetting",
        "description": "Two forms, told apart by `Content-Type`:\n\n- `application/octet-stream`: the model file itself, its name in `X-Filename` and its options in the query (`probe`, `baseline`). The upload is streamed to disk and refused with 413 above the server's `--max-upload`.\n- `application/json`: `{\"path\": ...}`, a file or folder on the server under one of its `--allow-path` roots, with the options in the body.\n\nAny role may submit. A `baseline` is always a server-side path and follows the same rules as `path`. A path that is malformed answers 400; one outside the allowed roots (or any path when the server allows none) 403; one that does not exist 404; one that cannot be read 422.\n\nThe answer is the new scan, `queued`, or already `done` when the same content with the same options has a cached result.",
        "parameters": [
          {
            "name": "X-Filename",
            "in": "header",
            "description": "The upload's file name (octet-stream only). Kept as the scan's name after reduction to one safe path component; formats are partly recognised by it. Default `upload`.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "probe",
            "in": "query",
            "description": "Run the behaviour probes (slow: the model is run). Octet-stream only; `true` or `false`.",
            "schema": {
              "type": "boolean"
            }
          },
          {
            "name": "baseline",
            "in": "query",
            "description": "Server-side path of the model this one claims to derive from, for the lineage check. Octet-stream only.",
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/octet-stream": {
              "schema": {
                "type": "string",
                "format": "binary",
                "minLength": 1,
                "description": "The model file (not empty)."
              }
            },
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/PathSubmission"
              }
            }
          }
        },
        "responses": {
          "202": {
            "description": "Queued (or answered at once from the cache).",
            "headers": {
              "Location": {
                "$ref": "#/components/headers/Location"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Scan"
                }
              }
            }
          },
          "400": {
            "description": "An empty upload, a `probe` other than `true`/`false`, an invalid JSON body or a malformed path.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "description": "A path outside the allowed roots, or server-side paths are not enabled (no `--allow-path`).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "The path does not exist under the allowed roots.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "$ref": "#/components/responses/ContentTooLarge"
          },
          "415": {
            "description": "The body is neither `application/octet-stream` nor `application/json`.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "422": {
            "description": "The path exists but cannot be hashed: unreadable, or a folder that holds a symbolic link.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "429": {
            "$ref": "#/components/responses/TooManyRequests"
          }
        }
      },
      "get": {
        "operationId": "listScans",
        "tags": [
          "scans"
        ],
        "summary": "List scans, newest first",
        "description": "A submitter sees only its own scans; reviewers and admins see every one (or only their own with `mine=true`).",
        "parameters": [
          {
            "name": "status",
            "in": "query",
            "description": "Only scans in this state.",
            "schema": {
              "$ref": "#/components/schemas/ScanStatus"
            }
          },
          {
            "name": "verdict",
            "in": "query",
            "description": "Only finished scans with this verdict level.",
            "schema": {
              "$ref": "#/components/schemas/VerdictLevel"
            }
          },
          {
            "name": "name",
            "in": "query",
            "description": "Only scans whose name contains this text (its first 200 characters; empty means no filter).",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "limit",
            "in": "query",
            "description": "Page size.",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 500,
              "default": 50
            }
          },
          {
            "name": "offset",
            "in": "query",
            "description": "Scans to skip.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807,
              "default": 0
            }
          },
          {
            "name": "mine",
            "in": "query",
            "description": "`true`: only the caller's own scans (always so for a submitter). Not `true` or `false`: 400.",
            "schema": {
              "type": "boolean",
              "default": false
            }
          }
        ],
        "responses": {
          "200": {
            "description": "A page of scans.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ScanList"
                }
              }
            }
          },
          "400": {
            "description": "A filter or paging value out of range.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "429": {
            "$ref": "#/components/responses/TooManyRequests"
          }
        }
      }
    },
    "/api/v1/scans/{id}": {
      "parameters": [
        {
          "$ref": "#/components/parameters/ScanId"
        }
      ],
      "get": {
        "operationId": "getScan",
        "tags": [
          "scans"
        ],
        "summary": "One scan",
        "responses": {
          "200": {
            "description": "The scan.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Scan"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "404": {
            "$ref": "#/components/responses/ScanNotFound"
          },
          "429": {
            "$ref": "#/components/responses/TooManyRequests"
          }
        }
      },
      "delete": {
        "operationId": "deleteScan",
        "tags": [
          "scans"
        ],
        "summary": "Delete a scan (admin)",
        "description": "Removes the scan job. The cached result of its content stays and keeps answering later submissions of it.",
        "responses": {
          "204": {
            "description": "Deleted."
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "description": "No scan has this id.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "429": {
            "$ref": "#/components/responses/TooManyRequests"
          }
        }
      }
    },
    "/api/v1/scans/{id}/report": {
      "parameters": [
        {
          "$ref": "#/components/parameters/ScanId"
        }
      ],
      "get": {
        "operationId": "getScanReport",
        "tags": [
          "scans"
        ],
        "summary": "A finished scan's report",
        "description": "The report `modelvet vet` writes, in one of three formats. Available once the scan is `done`.",
        "parameters": [
          {
            "name": "format",
            "in": "query",
            "description": "`json` (the `modelvet-vet/1` report), `sarif` (SARIF 2.1.0 of the static scan) or `html` (a self-contained page).",
            "schema": {
              "type": "string",
              "enum": [
                "json",
                "sarif",
                "html"
              ],
              "default": "json"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The report. The HTML one comes with a `Content-Security-Policy` that forbids scripts.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/VetReport"
                }
              },
              "application/sarif+json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "version",
                    "runs"
                  ]
                }
              },
              "text/html": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "`format` is not json, sarif or html.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "404": {
            "description": "No visible scan has this id, or its stored report is missing.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "The scan is not done: still queued or running, or failed (the message gives the reason).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "429": {
            "$ref": "#/components/responses/TooManyRequests"
          }
        }
      }
    },
    "/api/v1/tokens": {
      "get": {
        "operationId": "listTokens",
        "tags": [
          "tokens"
        ],
        "summary": "List tokens (admin)",
        "description": "Every token, live and revoked, oldest first. Secrets are never shown again.",
        "responses": {
          "200": {
            "description": "The tokens.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/TokenList"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "429": {
            "$ref": "#/components/responses/TooManyRequests"
          }
        }
      },
      "post": {
        "operationId": "createToken",
        "tags": [
          "tokens"
        ],
        "summary": "Create a token (admin)",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/TokenRequest"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "The new token with its secret, shown this once (only its SHA-256 is stored).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/NewToken"
                }
              }
            }
          },
          "400": {
            "description": "An invalid JSON body or an unknown role.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "413": {
            "$ref": "#/components/responses/ContentTooLarge"
          },
          "429": {
            "$ref": "#/components/responses/TooManyRequests"
          }
        }
      }
    },
    "/api/v1/tokens/{id}": {
      "delete": {
        "operationId": "revokeToken",
        "tags": [
          "tokens"
        ],
        "summary": "Revoke a token (admin)",
        "description": "The token stops working at once; it stays listed with its `revoked` date.",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The token's id.",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "204": {
            "description": "Revoked."
          },
          "401": {
            "$ref": "#/components/responses/Unauthorized"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "description": "No live token has this id (unknown or already revoked).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "The token named is the one making the request: a token cannot revoke itself (another admin token, or `modelvet token revoke`, can).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "429": {
            "$ref": "#/components/responses/TooManyRequests"
          }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token (`mvt_` and 64 hex digits) from `modelvet token create`, `POST /api/v1/tokens`, or the admin token the server creates on its first start."
      }
    },
    "parameters": {
      "ScanId": {
        "name": "id",
        "in": "path",
        "required": true,
        "description": "The scan's id.",
        "schema": {
          "type": "string"
        }
      }
    },
    "headers": {
      "Location": {
        "description": "The new scan's URL path, `/api/v1/scans/{id}`.",
        "required": true,
        "schema": {
          "type": "string"
        }
      },
      "WWW-Authenticate": {
        "required": true,
        "description": "`Bearer`, or `Bearer error=\"invalid_token\"` for an unknown or revoked token.",
        "schema": {
          "type": "string"
        }
      },
      "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "required": true,
        "schema": {
          "type": "integer",
          "minimum": 1
        }
      }
    },
    "responses": {
      "Unauthorized": {
        "description": "No token, a malformed `Authorization` header, or an unknown or revoked token.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        },
        "headers": {
          "WWW-Authenticate": {
            "$ref": "#/components/headers/WWW-Authenticate"
          }
        }
      },
      "Forbidden": {
        "description": "The token's role is too weak for this operation.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "ScanNotFound": {
        "description": "No scan has this id, or it is another submitter's scan.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "ContentTooLarge": {
        "description": "The body is over the limit: `--max-upload` for uploads, 1 MiB for JSON bodies.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "TooManyRequests": {
        "description": "Over the token's rate limit, or too many failed authentications from this address.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        },
        "headers": {
          "Retry-After": {
            "$ref": "#/components/headers/Retry-After"
          }
        }
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "description": "Every error answer.",
        "required": [
          "error"
        ],
        "properties": {
          "error": {
            "type": "string",
            "description": "What went wrong, for people."
          }
        }
      },
      "ScanStatus": {
        "type": "string",
        "enum": [
          "queued",
          "running",
          "done",
          "failed"
        ],
        "description": "`queued` until a worker claims it, `running` while vetted, then `done` or `failed` (after its last attempt)."
      },
      "VerdictLevel": {
        "type": "string",
        "enum": [
          "ok",
          "info",
          "warning",
          "danger"
        ],
        "description": "From best to worst: `ok` nothing of concern, `info` worth knowing, `warning` review before use, `danger` do not load or deploy."
      },
      "JobOptions": {
        "type": "object",
        "description": "A scan's options. Options not given are left out.",
        "properties": {
          "probe": {
            "type": "boolean",
            "description": "Run the behaviour probes."
          },
          "baseline": {
            "type": "string",
            "description": "The resolved server-side path of the claimed base model."
          }
        }
      },
      "Scan": {
        "type": "object",
        "description": "A scan job. Every key is always present; those not known yet are null.",
        "required": [
          "id",
          "status",
          "name",
          "verdict",
          "summary",
          "error",
          "attempts",
          "created",
          "started",
          "finished",
          "options"
        ],
        "properties": {
          "id": {
            "type": "string",
            "description": "A UUID in lower case."
          },
          "status": {
            "$ref": "#/components/schemas/ScanStatus"
          },
          "name": {
            "type": "string",
            "description": "The upload's name (`X-Filename`) or the path's last component; shown, never used as a path."
          },
          "verdict": {
            "type": [
              "string",
              "null"
            ],
            "enum": [
              "ok",
              "info",
              "warning",
              "danger",
              null
            ],
            "description": "The verdict level once done (see VerdictLevel)."
          },
          "summary": {
            "type": [
              "string",
              "null"
            ],
            "description": "One line: the verdict's headline and the findings by severity."
          },
          "error": {
            "type": [
              "string",
              "null"
            ],
            "description": "Why the last attempt failed."
          },
          "attempts": {
            "type": "integer",
            "minimum": 0,
            "description": "Claims by workers so far (0 for a cached answer)."
          },
          "created": {
            "type": "string",
            "format": "date-time"
          },
          "started": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time",
            "description": "When the latest attempt began."
          },
          "finished": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "options": {
            "$ref": "#/components/schemas/JobOptions"
          }
        }
      },
      "ScanList": {
        "type": "object",
        "required": [
          "scans",
          "limit",
          "offset",
          "next_offset"
        ],
        "properties": {
          "scans": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Scan"
            }
          },
          "limit": {
            "type": "integer",
            "minimum": 1,
            "maximum": 500
          },
          "offset": {
            "type": "integer",
            "minimum": 0
          },
          "next_offset": {
            "type": [
              "integer",
              "null"
            ],
            "description": "The `offset` of the next page; null when this page is not full (the last one)."
          }
        }
      },
      "PathSubmission": {
        "type": "object",
        "required": [
          "path"
        ],
        "properties": {
          "path": {
            "type": "string",
            "description": "An absolute path, without `.` or `..` components, under an allowed root."
          },
          "probe": {
            "type": "boolean",
            "description": "Run the behaviour probes."
          },
          "baseline": {
            "type": "string",
            "description": "Server-side path of the claimed base model, under an allowed root."
          }
        }
      },
      "VetReport": {
        "type": "object",
        "description": "The `modelvet vet` report (`schema` `modelvet-vet/1`); `scan` is the static scan's report, described in docs/report-schema.md.",
        "required": [
          "schema",
          "tool",
          "model",
          "verdict",
          "scan"
        ],
        "properties": {
          "schema": {
            "type": "string",
            "const": "modelvet-vet/1"
          },
          "tool": {
            "type": "string"
          },
          "model": {
            "type": "string"
          },
          "verdict": {
            "type": "object",
            "required": [
              "level",
              "headline",
              "answers"
            ],
            "properties": {
              "level": {
                "$ref": "#/components/schemas/VerdictLevel"
              },
              "headline": {
                "type": "string"
              },
              "answers": {
                "type": "array",
                "items": {
                  "type": "object",
                  "required": [
                    "question",
                    "answer",
                    "level"
                  ],
                  "properties": {
                    "question": {
                      "type": "string"
                    },
                    "answer": {
                      "type": "string"
                    },
                    "level": {
                      "$ref": "#/components/schemas/VerdictLevel"
                    }
                  }
                }
              }
            }
          },
          "scan": {
            "type": "object"
          }
        }
      },
      "Role": {
        "type": "string",
        "enum": [
          "submitter",
          "reviewer",
          "admin"
        ],
        "description": "Each role includes the ones before it."
      },
      "Token": {
        "type": "object",
        "description": "An API token, without its secret. `revoked` is present only once the token is revoked.",
        "required": [
          "id",
          "role",
          "created"
        ],
        "properties": {
          "id": {
            "type": "string",
            "description": "A UUID in lower case."
          },
          "role": {
            "$ref": "#/components/schemas/Role"
          },
          "created": {
            "type": "string",
            "format": "date-time"
          },
          "revoked": {
            "type": "string",
            "format": "date-time"
          }
        }
      },
      "NewToken": {
        "description": "A token just created, with its secret.",
        "allOf": [
          {
            "$ref": "#/components/schemas/Token"
          },
          {
            "type": "object",
            "required": [
              "secret"
            ],
            "properties": {
              "secret": {
                "type": "string",
                "description": "The bearer secret; shown only here."
              }
            }
          }
        ]
      },
      "TokenList": {
        "type": "object",
        "required": [
          "tokens"
        ],
        "properties": {
          "tokens": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Token"
            }
          }
        }
      },
      "TokenRequest": {
        "type": "object",
        "required": [
          "role"
        ],
        "properties": {
          "role": {
            "$ref": "#/components/schemas/Role"
          }
        }
      }
    }
  }
}
"""#
}
