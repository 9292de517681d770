"""Activities: monthly study, the study bulletin, three contacts, activities and review meetings (基本活动, 基本制度)."""
