"""PDCA problem tracking (问题整改闭环): the loop, its views and its workbook."""
