from . import iot_usage_analysis, iot_usage_statement
